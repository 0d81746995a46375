print("omzien")
