import FuzzDriver

runFuzzer { data, size in
    checkEventFilter(fuzzInput(data, size))
    return 0
}
