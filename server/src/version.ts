/** Server name and version as published (the image tag is this version; see the image workflow). */
import { name, version } from '../package.json';

export const SERVER_NAME = name;
export const SERVER_VERSION: string = version;
