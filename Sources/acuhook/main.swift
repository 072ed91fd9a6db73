print("acuhook")
