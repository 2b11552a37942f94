const fish = [{ x: 1 }, { x: 2 }];
for (let fish of fish) {
  fish.x += 1;
}
