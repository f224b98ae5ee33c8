export default function setup(project?: { provide?: (key: string, value: unknown) => void }): Promise<() => Promise<void>>;
declare module 'vitest' {
  export interface ProvidedContext {
    fogbankEndpoint: string;
  }
}
