function draw(ctx) {
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, widht, 10);
}
draw(document.querySelector("canvas").getContext("2d"));
