import { SerialPort } from 'serialport';

type LineSettings = ConstructorParameters<typeof SerialPort>[0];

/**
 * Open a serial port with a transport's line settings. Errors after opening go to `onError`: an
 * 'error' event with no listener would throw and take the agent down.
 */
export async function openSerialPort(
  o: Pick<LineSettings, 'path' | 'baudRate' | 'dataBits' | 'parity' | 'stopBits'>,
  onError: (err: Error) => void,
): Promise<SerialPort> {
  const port = new SerialPort({
    path: o.path,
    baudRate: o.baudRate,
    dataBits: o.dataBits,
    parity: o.parity,
    stopBits: o.stopBits,
    autoOpen: false,
  });
  port.on('error', onError);
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}
