const speed = 2;
function tick(dt) {
  speed = speed * dt;
  return speed;
}
tick(16);
