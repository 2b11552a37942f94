import { legacy } from "./legacy";

export const doubled: string = legacy * 2;
