print("teeny-bench")
