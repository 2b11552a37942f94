console.log(total);
let total = 0;
class Tank {}
const tank = new Tank();
console.log(tank);
