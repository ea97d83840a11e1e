print("corralctl")
