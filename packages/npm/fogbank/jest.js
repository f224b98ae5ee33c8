'use strict';
// Jest globalSetup: `globalSetup: 'fogbank/jest', globalTeardown: 'fogbank/jest-teardown'`.
// The endpoint and credentials are put in process.env, which jest's workers inherit.
const { startFogbank } = require('./index.js');

module.exports = async function globalSetup() {
  const server = await startFogbank({
    config: process.env.FOGBANK_CONFIG || undefined,
    dataDir: process.env.FOGBANK_DATA_DIR || undefined,
    args: process.env.FOGBANK_ARGS ? process.env.FOGBANK_ARGS.split(/\s+/).filter(Boolean) : [],
  });
  Object.assign(process.env, server.env);
  globalThis.__FOGBANK__ = server;
};
