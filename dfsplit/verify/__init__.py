"""`dfsplit verify`: build the original and the rewrite with the user's Docker and compare them.

`engine` holds every docker call; `prove` decides from the values it returns. An IO edge.
"""
