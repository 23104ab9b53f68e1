/** Server name and version as published (the image tag is this version; see the image workflow). */
import { version } from '../package.json';

export const SERVER_VERSION: string = version;
