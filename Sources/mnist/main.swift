print("mnist trainer")
