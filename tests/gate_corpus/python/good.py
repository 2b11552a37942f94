from dataclasses import dataclass


@dataclass
class Fish:
    name: str
    speed: float

    def move(self, dt: float) -> float:
        return self.speed * dt


print(Fish("nemo", 2.0).move(0.5))
