addPoints(3);
console.log(score);
