// Loaded by mocha before any spec: quiet logs unless asked for.
process.env.NODE_ENV ??= 'test';
process.env.REEF_LOG_LEVEL ??= 'error';
