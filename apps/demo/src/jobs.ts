/** The demo's jobs: what a worker runs. One of them always fails, on purpose. */
export const jobs = {
  add: (a: number, b: number) => a + b,
  slugify: (title: string) =>
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, ''),
  divide: (a: number, b: number) => {
    if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
    return a / b;
  },
  square: (n: number) => n * n,
} satisfies Record<string, (...args: never[]) => unknown>;

export type JobName = keyof typeof jobs;
