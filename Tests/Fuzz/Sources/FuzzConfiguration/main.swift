import FuzzDriver

runFuzzer { data, size in
    checkConfiguration(fuzzInput(data, size))
    return 0
}
