import FuzzDriver

runFuzzer { data, size in
    checkSignatureHeaders(fuzzInput(data, size))
    return 0
}
