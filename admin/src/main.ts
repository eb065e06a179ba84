import { bootstrapApplication } from '@angular/platform-browser';

import { App } from './app/app';
import { appConfig } from './app/app.config';

// eslint-disable-next-line no-console -- nothing else can report a failed bootstrap
bootstrapApplication(App, appConfig).catch((err: unknown) => console.error(err));
