"""What scenes_faces.py and group_faces.py share: which found face is a pasted picture's face."""


def is_pasted(place, face):
    """Whether `face` (simdb detect's JSON: x, y, width, height) is the face of the picture pasted
    at `place` (x, y, width, height): its centre in the picture, its width 0.35-1.3 times the
    picture's (the pictures are face crops, the face about two thirds of their width)."""
    x, y, width, height = place
    cx, cy = face["x"] + face["width"] / 2, face["y"] + face["height"] / 2
    return x <= cx <= x + width and y <= cy <= y + height and 0.35 * width <= face["width"] <= 1.3 * width


def report(summary, missed):
    """Prints the counts' line, then each scene that went wrong, indented."""
    print(summary)
    for line in missed:
        print("  " + line)
