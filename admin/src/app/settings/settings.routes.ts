import { type Routes } from '@angular/router';

import { Settings } from './settings';

export const SETTINGS_ROUTES: Routes = [{ path: '', component: Settings }];
