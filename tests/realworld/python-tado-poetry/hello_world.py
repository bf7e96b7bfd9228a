from PyTado.interface import Tado
print("hello")
