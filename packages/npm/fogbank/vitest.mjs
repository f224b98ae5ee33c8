// Vitest globalSetup: `globalSetup: ['fogbank/vitest']` in vitest.config. One fogbank for the
// test run; tests read `process.env.AWS_ENDPOINT_URL` (SDK v3 clients follow it) or
// `inject('fogbankEndpoint')`. Options come from FOGBANK_CONFIG, FOGBANK_DATA_DIR, FOGBANK_ARGS.
import fogbank from './index.js';

export default async function setup(project) {
  const server = await fogbank.startFogbank({
    config: process.env.FOGBANK_CONFIG || undefined,
    dataDir: process.env.FOGBANK_DATA_DIR || undefined,
    args: process.env.FOGBANK_ARGS ? process.env.FOGBANK_ARGS.split(/\s+/).filter(Boolean) : [],
  });
  Object.assign(process.env, server.env);
  project?.provide?.('fogbankEndpoint', server.endpoint);
  return async () => {
    await server.stop();
  };
}
