import { type Routes } from '@angular/router';

import { Schedules } from './schedules';

export const SCHEDULES_ROUTES: Routes = [{ path: '', component: Schedules }];
