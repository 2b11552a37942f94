import math


def area(radius):
    return pi * radius**2


print(area(2), math.tau)
