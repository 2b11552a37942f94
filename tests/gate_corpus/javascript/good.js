const canvas = document.querySelector("canvas");
const ctx = canvas.getContext("2d");
let frame = 0;
function loop(time) {
  frame += 1;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillText(`frame ${frame} at ${Math.round(time)}`, 10, 10);
  requestAnimationFrame(loop);
}
requestAnimationFrame(loop);
