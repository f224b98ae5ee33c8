'use strict';
// Jest globalTeardown, the pair of `fogbank/jest`.
module.exports = async function globalTeardown() {
  const server = globalThis.__FOGBANK__;
  globalThis.__FOGBANK__ = undefined;
  if (server) await server.stop();
};
