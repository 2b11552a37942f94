var score = 0;
function addPoints(n) {
  score += n;
}
