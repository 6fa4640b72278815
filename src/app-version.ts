import { version } from '../package.json';

/** The studio's version from package.json, written into exports so a bundle names the app that made it. */
export const APP_VERSION: string = version;
