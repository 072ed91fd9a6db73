import FuzzDriver

runFuzzer { data, size in
    checkJSON(fuzzInput(data, size))
    return 0
}
