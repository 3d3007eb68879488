import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('has a default for everything a first start needs', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      MQTT_PORT: 1884,
      BUNKO_DEMO: 'auto',
      secure: false,
    });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('reads each variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      BUNKO_DATA_DIR: '/var/lib/bunko',
      DATABASE_URL: 'postgres://u@db/bunko',
      MQTT_PORT: '2883',
      MQTT_URL: 'mqtts://broker:8883',
      BUNKO_SECRET: 'x'.repeat(40),
    });
    expect(c).toMatchObject({ PORT: 9000, HOST: '0.0.0.0', dataDir: '/var/lib/bunko', MQTT_PORT: 2883 });
    expect(c.DATABASE_URL).toBe('postgres://u@db/bunko');
    expect(c.MQTT_URL).toBe('mqtts://broker:8883');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ MQTT_PORT: '-1' }, 'MQTT_PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ MQTT_URL: 'http://x' }, 'MQTT_URL'],
    [{ BUNKO_SECRET: 'short' }, 'BUNKO_SECRET'],
    [{ BUNKO_DEMO: 'maybe' }, 'BUNKO_DEMO'],
    [{ BUNKO_TLS_CERT: '/c.pem' }, 'BUNKO_TLS_KEY'],
    [{ BUNKO_PUBLIC_PORT: 'public' }, 'BUNKO_PUBLIC_PORT'],
    [{ BUNKO_PUBLIC_DATABASE_URL: 'mysql://x' }, 'BUNKO_PUBLIC_DATABASE_URL'],
    [{ BUNKO_CORE_URL: 'core' }, 'BUNKO_CORE_URL'],
    [{ BUNKO_SERVICE_TOKEN: 'short' }, 'BUNKO_SERVICE_TOKEN'],
    [{ MQTT_CERT_FILE: '/c.pem', MQTT_KEY_FILE: '/k.pem' }, 'MQTT_URL'],
    [{ MQTT_URL: 'mqtts://broker:8883', MQTT_CERT_FILE: '/c.pem' }, 'MQTT_KEY_FILE'],
    [{ MQTT_URL: 'mqtts://broker:8883', MQTT_CA_FILE: '/nonexistent/ca.pem' }, 'MQTT_CA_FILE: cannot read'],
    [{ MQTT_TLS_PORT: '8883' }, 'MQTT_TLS_PORT needs BUNKO_TLS_CERT'],
    [{ MQTT_CLIENT_CA_FILE: '/ca.pem' }, 'MQTT_TLS_PORT'],
    [{ MQTT_URL: 'mqtts://broker:8883', MQTT_TLS_PORT: '8883' }, 'MQTT_TLS_PORT is for the embedded broker'],
  ])('names the bad variable in %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });
});
