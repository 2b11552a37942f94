const gravity = 9.8;

export function step(frame) {
  if (frame > 1) {
    gravity = gravity * 0.99;
  }
  return gravity;
}
