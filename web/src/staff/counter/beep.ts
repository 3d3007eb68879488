/**
 * Short counter sounds made with WebAudio (no audio files): staff look at the book, not the screen,
 * so a refusal and a hold each have their own sound. Silent where audio is unavailable.
 */
type Note = readonly [frequency: number, seconds: number];

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  try {
    context ??= new AudioContext();
    // created before any key press the context starts suspended; each scan is a key press
    if (context.state === 'suspended') void context.resume().catch(() => {});
    return context;
  } catch {
    return null;
  }
}

function play(notes: readonly Note[], type: OscillatorType, volume = 0.18) {
  const ac = audio();
  if (!ac) return;
  try {
    let at = ac.currentTime + 0.01;
    for (const [frequency, seconds] of notes) {
      const osc = ac.createOscillator();
      const gain = ac.createGain();
      osc.type = type;
      osc.frequency.value = frequency;
      // a quick rise and fall, so the tone does not click
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(volume, at + 0.01);
      gain.gain.setValueAtTime(volume, at + seconds - 0.02);
      gain.gain.linearRampToValueAtTime(0, at + seconds);
      osc.connect(gain).connect(ac.destination);
      osc.start(at);
      osc.stop(at + seconds);
      at += seconds + 0.04;
    }
  } catch {
    // no sound is never a reason to fail a scan
  }
}

/** Refused: two low, harsh tones. */
export const errorBeep = () =>
  play(
    [
      [330, 0.16],
      [220, 0.32],
    ],
    'square',
    0.12,
  );

/** A trapped hold: a bright rising chime, twice. */
export const holdBeep = () =>
  play(
    [
      [880, 0.11],
      [1320, 0.11],
      [880, 0.11],
      [1320, 0.22],
    ],
    'sine',
    0.25,
  );

/** Send elsewhere (回送): two mid tones. */
export const routeBeep = () =>
  play(
    [
      [660, 0.14],
      [990, 0.26],
    ],
    'triangle',
    0.25,
  );
