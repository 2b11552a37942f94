export const legacy: number = "already broken before this change";
