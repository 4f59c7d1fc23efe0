print("simdb")
