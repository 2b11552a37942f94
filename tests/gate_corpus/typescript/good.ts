export interface Fish {
  name: string;
  speed: number;
}

export function faster(fish: Fish, by = 1): Fish {
  return { ...fish, speed: fish.speed + by };
}
