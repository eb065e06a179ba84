import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page, UserSummary } from '@api-manager/contracts';
import { PageDtoOf, PageQueryDto } from '../common/paging.js';
import { Access, type Actor, CurrentActor, SkipAudit } from './access.decorators.js';
import { CreateUserDto, IdParamDto, UpdateUserDto, UserDto } from './dto/auth.dto.js';
import { UsersService } from './users.service.js';

const UserPageDto = PageDtoOf(UserDto, 'UserPageDto');

/** User management: admins only. */
@ApiTags('users')
@Access({ role: 'admin', scope: 'admin' })
@SkipAudit()
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: UserPageDto, description: 'By username; cursor paging' })
  list(@Query() q: PageQueryDto): Promise<Page<UserSummary>> {
    return this.users.list(q);
  }

  @Post()
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'The username is taken' })
  create(@Body() dto: CreateUserDto, @CurrentActor() actor: Actor): Promise<UserSummary> {
    return this.users.create(dto, actor);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'Would demote or disable the last admin' })
  update(@Param() { id }: IdParamDto, @Body() dto: UpdateUserDto, @CurrentActor() actor: Actor): Promise<UserSummary> {
    return this.users.update(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted (with the user’s sessions and tokens)' })
  @ApiConflictResponse({ description: 'Would delete the last admin' })
  remove(@Param() { id }: IdParamDto, @CurrentActor() actor: Actor): Promise<void> {
    return this.users.remove(id, actor);
  }
}
