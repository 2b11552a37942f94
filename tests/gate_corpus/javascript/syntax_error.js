const bubbles = [];
function spawn() {
  bubbles.push({ x: 1, y: });
}
