// Jest transform: strip TypeScript types with Node's own stripper, so tests run the
// sources exactly as Node 24 runs them (type stripping keeps line and column positions).
const { stripTypeScriptTypes } = require('node:module');

module.exports = {
  process(source) {
    return { code: stripTypeScriptTypes(source, { mode: 'strip' }) };
  },
};
