import { step } from "./physics.mjs";

let frames = 0;
function loop() {
  frames += 1;
  step(frames);
  requestAnimationFrame(loop);
}
requestAnimationFrame(loop);
