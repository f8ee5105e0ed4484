"""families, in-person sessions and talk cards

Revision ID: 82d3219dd65f
Revises: e5a2b8c41f37
Create Date: 2026-12-02 02:38:09.826253
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '82d3219dd65f'
down_revision = 'e5a2b8c41f37'
branch_labels = None
depends_on = None


OLD_ROLES = ('student', 'teacher', 'staff', 'school_manager', 'office_reviewer',
             'content_author', 'admin')
NEW_ROLES = (*OLD_ROLES, 'parent')
ROLE_TABLES = ('lms_membership', 'lms_assignment')


def _role_check(roles: tuple[str, ...]) -> None:
    """Replace the CHECK constraint of the role columns (stored as VARCHAR + CHECK)."""
    for table in ROLE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_role'), sa.column('role').in_(roles))


def upgrade() -> None:
    _role_check(NEW_ROLES)
    op.create_table('lms_family',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_family'))
    )
    op.create_table('lms_coverage_family_overlap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('family_key', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=600).with_variant(sa.String(length=600, collation='C'), 'postgresql'), nullable=False),
    sa.Column('school_level', sa.Enum('mam_non', 'tieu_hoc', 'thcs', 'thpt', 'lien_cap', 'gdtx', name='school_level', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('left_unit_id', sa.Integer(), nullable=False),
    sa.Column('right_unit_id', sa.Integer(), nullable=False),
    sa.Column('covered', sa.SmallInteger(), nullable=False),
    sa.Column('covered_before', sa.SmallInteger(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['left_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_family_overlap_left_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f('fk_lms_coverage_family_overlap_requirement_id_lms_requirement')),
    sa.ForeignKeyConstraint(['right_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_family_overlap_right_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_family_overlap_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_coverage_family_overlap'))
    )
    with op.batch_alter_table('lms_coverage_family_overlap', schema=None) as batch_op:
        batch_op.create_index('ix_lms_coverage_family_overlap_family', ['requirement_id', 'school_year', 'family_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_family_overlap_left_unit_id'), ['left_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_family_overlap_right_unit_id'), ['right_unit_id'], unique=False)
        batch_op.create_index('ix_lms_coverage_family_overlap_scope', ['requirement_id', 'school_year', 'path'], unique=False)

    op.create_table('lms_in_person_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('student', 'teacher', 'staff', 'manager', 'parent', name='audience', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('facilitator', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sheet_filename', sa.String(length=200), nullable=True),
    sa.Column('sheet_content_type', sa.String(length=100), nullable=True),
    sa.Column('sheet_data', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_in_person_session_course_id_lms_course')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_in_person_session_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['lms_user.id'], name=op.f('fk_lms_in_person_session_recorded_by_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_in_person_session'))
    )
    with op.batch_alter_table('lms_in_person_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_in_person_session_org_unit_id'), ['org_unit_id'], unique=False)

    op.create_table('lms_parent_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('child_user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('uses', sa.SmallInteger(), nullable=False),
    sa.Column('max_uses', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['child_user_id'], ['lms_user.id'], name=op.f('fk_lms_parent_letter_child_user_id_lms_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['lms_user.id'], name=op.f('fk_lms_parent_letter_created_by_id_lms_user')),
    sa.ForeignKeyConstraint(['school_id'], ['lms_org_unit.id'], name=op.f('fk_lms_parent_letter_school_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_parent_letter')),
    sa.UniqueConstraint('code', name=op.f('uq_lms_parent_letter_code'))
    )
    with op.batch_alter_table('lms_parent_letter', schema=None) as batch_op:
        batch_op.create_index('ix_lms_parent_letter_child', ['child_user_id', 'revoked_at'], unique=False)

    op.create_table('lms_consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adult_user_id', sa.Integer(), nullable=True),
    sa.Column('child_user_id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('notice_version', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.Enum('given', 'refused', name='consent_answer', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['adult_user_id'], ['lms_user.id'], name=op.f('fk_lms_consent_record_adult_user_id_lms_user')),
    sa.ForeignKeyConstraint(['child_user_id'], ['lms_user.id'], name=op.f('fk_lms_consent_record_child_user_id_lms_user')),
    sa.ForeignKeyConstraint(['letter_id'], ['lms_parent_letter.id'], name=op.f('fk_lms_consent_record_letter_id_lms_parent_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_consent_record'))
    )
    with op.batch_alter_table('lms_consent_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_consent_record_adult_user_id'), ['adult_user_id'], unique=False)
        batch_op.create_index('ix_lms_consent_record_child', ['child_user_id', 'answered_at'], unique=False)

    op.create_table('lms_data_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('export', 'erase', name='data_request', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('child_user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['child_user_id'], ['lms_user.id'], name=op.f('fk_lms_data_request_child_user_id_lms_user')),
    sa.ForeignKeyConstraint(['done_by_id'], ['lms_user.id'], name=op.f('fk_lms_data_request_done_by_id_lms_user')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['lms_user.id'], name=op.f('fk_lms_data_request_requested_by_id_lms_user')),
    sa.ForeignKeyConstraint(['school_id'], ['lms_org_unit.id'], name=op.f('fk_lms_data_request_school_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_data_request'))
    )
    with op.batch_alter_table('lms_data_request', schema=None) as batch_op:
        batch_op.create_index('ix_lms_data_request_child', ['child_user_id', 'done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_data_request_school_id'), ['school_id'], unique=False)

    op.create_table('lms_talk_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('unit_usage_id', sa.String(length=255), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('learned_vi', sa.String(length=1000), nullable=False),
    sa.Column('learned_en', sa.String(length=1000), nullable=False),
    sa.Column('questions_vi', sa.JSON(), nullable=False),
    sa.Column('questions_en', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['course_version_id'], ['lms_course_version.id'], name=op.f('fk_lms_talk_card_course_version_id_lms_course_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_talk_card')),
    sa.UniqueConstraint('course_version_id', 'unit_usage_id', name=op.f('uq_lms_talk_card_course_version_id'))
    )
    op.create_table('lms_parent_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adult_user_id', sa.Integer(), nullable=False),
    sa.Column('child_user_id', sa.Integer(), nullable=False),
    sa.Column('kinship', sa.Enum('mother', 'father', 'grandparent', 'caregiver', 'other', name='kinship', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('source', sa.Enum('letter', 'meeting', name='link_source', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['adult_user_id'], ['lms_user.id'], name=op.f('fk_lms_parent_link_adult_user_id_lms_user')),
    sa.ForeignKeyConstraint(['child_user_id'], ['lms_user.id'], name=op.f('fk_lms_parent_link_child_user_id_lms_user')),
    sa.ForeignKeyConstraint(['letter_id'], ['lms_parent_letter.id'], name=op.f('fk_lms_parent_link_letter_id_lms_parent_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_parent_link')),
    sa.UniqueConstraint('adult_user_id', 'child_user_id', name=op.f('uq_lms_parent_link_adult_user_id'))
    )
    with op.batch_alter_table('lms_parent_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_parent_link_adult_user_id'), ['adult_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_parent_link_child_user_id'), ['child_user_id'], unique=False)

    op.create_table('lms_in_person_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['completion_id'], ['lms_completion.id'], name=op.f('fk_lms_in_person_attendance_completion_id_lms_completion')),
    sa.ForeignKeyConstraint(['session_id'], ['lms_in_person_session.id'], name=op.f('fk_lms_in_person_attendance_session_id_lms_in_person_session')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_in_person_attendance_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_in_person_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_lms_in_person_attendance_session_id'))
    )
    with op.batch_alter_table('lms_in_person_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_in_person_attendance_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('lms_completion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_person_session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_lms_completion_in_person_session_id'), ['in_person_session_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_lms_completion_in_person_session_id_lms_in_person_session'), 'lms_in_person_session', ['in_person_session_id'], ['id'])

    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_lms_user_family_id'), ['family_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_lms_user_family_id_lms_family'), 'lms_family', ['family_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lms_user_family_id_lms_family'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_lms_user_family_id'))
        batch_op.drop_column('family_id')

    with op.batch_alter_table('lms_completion', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lms_completion_in_person_session_id_lms_in_person_session'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_lms_completion_in_person_session_id'))
        batch_op.drop_column('in_person_session_id')

    with op.batch_alter_table('lms_in_person_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_in_person_attendance_user_id'))

    op.drop_table('lms_in_person_attendance')
    with op.batch_alter_table('lms_consent_record', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_consent_record_child')
        batch_op.drop_index(batch_op.f('ix_lms_consent_record_adult_user_id'))

    op.drop_table('lms_consent_record')
    with op.batch_alter_table('lms_parent_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_parent_link_child_user_id'))
        batch_op.drop_index(batch_op.f('ix_lms_parent_link_adult_user_id'))

    op.drop_table('lms_parent_link')
    op.drop_table('lms_talk_card')
    with op.batch_alter_table('lms_data_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_data_request_school_id'))
        batch_op.drop_index('ix_lms_data_request_child')

    op.drop_table('lms_data_request')
    with op.batch_alter_table('lms_parent_letter', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_parent_letter_child')

    op.drop_table('lms_parent_letter')
    with op.batch_alter_table('lms_in_person_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_in_person_session_org_unit_id'))

    op.drop_table('lms_in_person_session')
    with op.batch_alter_table('lms_coverage_family_overlap', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_coverage_family_overlap_scope')
        batch_op.drop_index(batch_op.f('ix_lms_coverage_family_overlap_right_unit_id'))
        batch_op.drop_index(batch_op.f('ix_lms_coverage_family_overlap_left_unit_id'))
        batch_op.drop_index('ix_lms_coverage_family_overlap_family')

    op.drop_table('lms_coverage_family_overlap')
    op.drop_table('lms_family')
    # Parents hold no coverage row of their own (families are counted from their children's
    # classes, whose rollup is rebuilt from scratch after a downgrade).
    for statement in ("DELETE FROM lms_membership WHERE role = 'parent'",
                      "DELETE FROM lms_assignment WHERE role = 'parent'"):
        op.execute(sa.text(statement).execution_options(coverage_marked=True))
    _role_check(OLD_ROLES)
