// Every TypeORM entity, listed once. Feature modules add theirs here.
export const entities: Function[] = [];
