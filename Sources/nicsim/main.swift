print("nicsim")
