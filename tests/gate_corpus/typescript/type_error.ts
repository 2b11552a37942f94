interface Fish {
  name: string;
  speed: number;
}

export function faster(fish: Fish): Fish {
  return { ...fish, speed: fish.speed + "1" };
}
