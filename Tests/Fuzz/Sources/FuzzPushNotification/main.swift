import FuzzDriver

runFuzzer { data, size in
    checkPushNotification(fuzzInput(data, size))
    return 0
}
