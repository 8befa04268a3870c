"""feedback search text: PAKN found without accents (code, title, content, answer, lower-case, accent-free)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    from cchc.vn import search_key

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    # Existing PAKN, in batches of ids (the text is computed in Python: accents are stripped by the
    # standard library's Unicode tables, which neither database has).
    conn = op.get_bind()
    feedback = sa.table('feedback', sa.column('id', sa.Integer), sa.column('code', sa.String),
                        sa.column('title', sa.String), sa.column('content', sa.Text), sa.column('answer', sa.Text),
                        sa.column('search_text', sa.Text))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(feedback.c.id, feedback.c.code, feedback.c.title, feedback.c.content, feedback.c.answer)
            .where(feedback.c.id > last).order_by(feedback.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            feedback.update().where(feedback.c.id == sa.bindparam('row_id')).values(search_text=sa.bindparam('text')),
            [{'row_id': r.id, 'text': search_key(' '.join(x for x in (r.code, r.title, r.content, r.answer) if x))}
             for r in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('search_text')
