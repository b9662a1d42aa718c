"""Payments, charges, refunds, commissions, the double-entry ledger, payouts and the sandbox's records
(generated on PostgreSQL, then reviewed).

Status CHECK lists are written out here, not imported from ``payments.domain``: a revision stays
what it was when it ran; a new state comes with its own revision.
"""
import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payable_orders') as batch:
        batch.create_check_constraint(
            op.f('ck_payable_orders_status_known'), "status IN ('placed', 'awaiting_payment', 'cancelled', 'rejected', 'completed')")
        batch.create_check_constraint(op.f('ck_payable_orders_total_minor_not_negative'), 'total_minor >= 0')
    op.create_table('commission_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('category_id', sa.String(length=64), nullable=True),
    sa.Column('rule_id', sa.String(length=36), nullable=True),
    sa.Column('rule_scope', sa.String(length=20), nullable=False),
    sa.Column('rate_bps', sa.Integer(), nullable=False),
    sa.Column('base_minor', sa.BigInteger(), nullable=False),
    sa.Column('fixed_fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('commission_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('refund_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'charge' AND commission_minor >= 0) OR (kind = 'reversal' AND commission_minor <= 0)", name=op.f('ck_commission_lines_sign_matches_kind')),
    sa.CheckConstraint("kind IN ('charge', 'reversal')", name=op.f('ck_commission_lines_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_lines'))
    )
    op.create_index('ix_commission_lines_vendor_created', 'commission_lines', ['vendor_id', 'created_at'], unique=False)
    op.create_index('ix_commission_lines_vendor_order', 'commission_lines', ['vendor_order_id', 'line_id'], unique=False)
    op.create_table('commission_rules',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=True),
    sa.Column('category_id', sa.String(length=64), nullable=True),
    sa.Column('rate_bps', sa.Integer(), nullable=False),
    sa.Column('fixed_fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('min_minor', sa.BigInteger(), nullable=True),
    sa.Column('max_minor', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('fixed_fee_minor >= 0', name=op.f('ck_commission_rules_fixed_fee_minor_not_negative')),
    sa.CheckConstraint('max_minor IS NULL OR min_minor IS NULL OR max_minor >= min_minor', name=op.f('ck_commission_rules_max_above_min')),
    sa.CheckConstraint('min_minor IS NULL OR min_minor >= 0', name=op.f('ck_commission_rules_min_not_negative')),
    sa.CheckConstraint('rate_bps >= 0 AND rate_bps <= 10000', name=op.f('ck_commission_rules_rate_in_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_rules'))
    )
    op.create_index('uq_commission_rules_scope', 'commission_rules', [sa.literal_column("coalesce(vendor_id, '')"), sa.literal_column("coalesce(category_id, '')")], unique=True)
    op.create_table('ledger_accounts',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=True),
    sa.Column('balance_minor', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ledger_accounts'))
    )
    op.create_index('ix_ledger_accounts_vendor', 'ledger_accounts', ['vendor_id', 'kind'], unique=False)
    op.create_table('ledger_transactions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=True),
    sa.Column('vendor_order_id', sa.String(length=64), nullable=True),
    sa.Column('vendor_id', sa.String(length=64), nullable=True),
    sa.Column('memo', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('kind', 'source_id', name=op.f('uq_ledger_transactions_kind'))
    )
    op.create_index('ix_ledger_transactions_created', 'ledger_transactions', ['created_at'], unique=False)
    op.create_table('payout_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('minimum_minor', sa.BigInteger(), nullable=False),
    sa.Column('payout_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('payout_count >= 0', name=op.f('ck_payout_runs_payout_count_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_runs'))
    )
    op.create_index('ix_payout_runs_created', 'payout_runs', ['created_at'], unique=False)
    op.create_table('sandbox_provider_records',
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('operation', sa.String(length=20), nullable=False),
    sa.Column('parent_reference', sa.String(length=64), nullable=True),
    sa.Column('merchant_reference', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('payment_method', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_sandbox_provider_records_amount_minor_not_negative')),
    sa.PrimaryKeyConstraint('reference', name=op.f('pk_sandbox_provider_records'))
    )
    op.create_index('ix_sandbox_provider_records_at', 'sandbox_provider_records', ['created_at'], unique=False)
    op.create_index(op.f('ix_sandbox_provider_records_parent_reference'), 'sandbox_provider_records', ['parent_reference'], unique=False)
    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('transaction_id', sa.String(length=36), nullable=False),
    sa.Column('account_key', sa.String(length=120), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('balance_after_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_key'], ['ledger_accounts.key'], name=op.f('fk_ledger_entries_account_key_ledger_accounts')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_entries_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_entries_account_created', 'ledger_entries', ['account_key', 'created_at', 'id'], unique=False)
    op.create_index(op.f('ix_ledger_entries_transaction_id'), 'ledger_entries', ['transaction_id'], unique=False)
    op.create_table('payable_vendor_orders',
    sa.Column('vendor_order_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('items_total_minor', sa.BigInteger(), nullable=False),
    sa.Column('shipping_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.CheckConstraint('items_total_minor >= 0', name=op.f('ck_payable_vendor_orders_items_total_minor_not_negative')),
    sa.CheckConstraint('shipping_minor >= 0', name=op.f('ck_payable_vendor_orders_shipping_minor_not_negative')),
    sa.CheckConstraint('total_minor >= 0', name=op.f('ck_payable_vendor_orders_total_minor_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['payable_orders.order_id'], name=op.f('fk_payable_vendor_orders_order_id_payable_orders')),
    sa.PrimaryKeyConstraint('vendor_order_id', name=op.f('pk_payable_vendor_orders'))
    )
    op.create_index('ix_payable_vendor_orders_order', 'payable_vendor_orders', ['order_id'], unique=False)
    op.create_index(op.f('ix_payable_vendor_orders_vendor_id'), 'payable_vendor_orders', ['vendor_id'], unique=False)
    op.create_table('payments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('captured_minor', sa.BigInteger(), nullable=False),
    sa.Column('voided_minor', sa.BigInteger(), nullable=False),
    sa.Column('payment_method', sa.String(length=64), nullable=False),
    sa.Column('card_brand', sa.String(length=20), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('provider_reference', sa.String(length=64), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('authorization_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'authorized', 'failed', 'settled')", name=op.f('ck_payments_status_known')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_payments_amount_minor_not_negative')),
    sa.CheckConstraint('captured_minor + voided_minor <= amount_minor', name=op.f('ck_payments_settled_within_amount')),
    sa.CheckConstraint('captured_minor >= 0', name=op.f('ck_payments_captured_minor_not_negative')),
    sa.CheckConstraint('voided_minor >= 0', name=op.f('ck_payments_voided_minor_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['payable_orders.order_id'], name=op.f('fk_payments_order_id_payable_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index('ix_payments_customer_created', 'payments', ['customer_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_payments_order_id'), 'payments', ['order_id'], unique=False)
    op.create_index('uq_payments_live_order', 'payments', ['order_id'], unique=True, postgresql_where=sa.text("status IN ('pending', 'authorized', 'settled')"), sqlite_where=sa.text("status IN ('pending', 'authorized', 'settled')"))
    op.create_table('payouts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('provider_reference', sa.String(length=64), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('in_transit', 'paid', 'failed')", name=op.f('ck_payouts_status_known')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payouts_amount_positive')),
    sa.ForeignKeyConstraint(['run_id'], ['payout_runs.id'], name=op.f('fk_payouts_run_id_payout_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts'))
    )
    op.create_index(op.f('ix_payouts_run_id'), 'payouts', ['run_id'], unique=False)
    op.create_index('ix_payouts_vendor_created', 'payouts', ['vendor_id', 'created_at'], unique=False)
    op.create_table('charges',
    sa.Column('vendor_order_id', sa.String(length=64), nullable=False),
    sa.Column('payment_id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('captured_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.Column('commission_minor', sa.BigInteger(), nullable=False),
    sa.Column('commission_reversed_minor', sa.BigInteger(), nullable=False),
    sa.Column('provider_reference', sa.String(length=64), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('authorized', 'captured', 'voided', 'capture_failed')", name=op.f('ck_charges_status_known')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_charges_amount_minor_not_negative')),
    sa.CheckConstraint('captured_minor <= amount_minor', name=op.f('ck_charges_captured_within_amount')),
    sa.CheckConstraint('captured_minor >= 0', name=op.f('ck_charges_captured_minor_not_negative')),
    sa.CheckConstraint('commission_minor <= captured_minor', name=op.f('ck_charges_commission_within_captured')),
    sa.CheckConstraint('commission_minor >= 0', name=op.f('ck_charges_commission_minor_not_negative')),
    sa.CheckConstraint('commission_reversed_minor <= commission_minor', name=op.f('ck_charges_reversal_within_commission')),
    sa.CheckConstraint('commission_reversed_minor >= 0', name=op.f('ck_charges_commission_reversed_minor_not_negative')),
    sa.CheckConstraint('refunded_minor <= captured_minor', name=op.f('ck_charges_refunded_within_captured')),
    sa.CheckConstraint('refunded_minor >= 0', name=op.f('ck_charges_refunded_minor_not_negative')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_charges_payment_id_payments')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['payable_vendor_orders.vendor_order_id'], name=op.f('fk_charges_vendor_order_id_payable_vendor_orders')),
    sa.PrimaryKeyConstraint('vendor_order_id', name=op.f('pk_charges'))
    )
    op.create_index(op.f('ix_charges_payment_id'), 'charges', ['payment_id'], unique=False)
    op.create_index('ix_charges_vendor_updated', 'charges', ['vendor_id', 'updated_at'], unique=False)
    op.create_table('refunds',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('refund_request_id', sa.String(length=64), nullable=False),
    sa.Column('payment_id', sa.String(length=36), nullable=False),
    sa.Column('order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_order_id', sa.String(length=64), nullable=False),
    sa.Column('vendor_id', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('return_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('commission_reversed_minor', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('provider_reference', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('refunded', 'failed')", name=op.f('ck_refunds_status_known')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_refunds_amount_minor_not_negative')),
    sa.CheckConstraint('commission_reversed_minor <= amount_minor', name=op.f('ck_refunds_reversal_within_amount')),
    sa.CheckConstraint('commission_reversed_minor >= 0', name=op.f('ck_refunds_commission_reversed_minor_not_negative')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments')),
    sa.ForeignKeyConstraint(['vendor_order_id'], ['charges.vendor_order_id'], name=op.f('fk_refunds_vendor_order_id_charges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('refund_request_id', name=op.f('uq_refunds_refund_request_id'))
    )
    op.create_index(op.f('ix_refunds_customer_id'), 'refunds', ['customer_id'], unique=False)
    op.create_index(op.f('ix_refunds_order_id'), 'refunds', ['order_id'], unique=False)
    op.create_index(op.f('ix_refunds_payment_id'), 'refunds', ['payment_id'], unique=False)
    op.create_index('ix_refunds_vendor_created', 'refunds', ['vendor_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_refunds_vendor_order_id'), 'refunds', ['vendor_order_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_refunds_vendor_order_id'), table_name='refunds')
    op.drop_index('ix_refunds_vendor_created', table_name='refunds')
    op.drop_index(op.f('ix_refunds_payment_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_order_id'), table_name='refunds')
    op.drop_index(op.f('ix_refunds_customer_id'), table_name='refunds')
    op.drop_table('refunds')
    op.drop_index('ix_charges_vendor_updated', table_name='charges')
    op.drop_index(op.f('ix_charges_payment_id'), table_name='charges')
    op.drop_table('charges')
    op.drop_index('ix_payouts_vendor_created', table_name='payouts')
    op.drop_index(op.f('ix_payouts_run_id'), table_name='payouts')
    op.drop_table('payouts')
    op.drop_index('uq_payments_live_order', table_name='payments', postgresql_where=sa.text("status IN ('pending', 'authorized', 'settled')"), sqlite_where=sa.text("status IN ('pending', 'authorized', 'settled')"))
    op.drop_index(op.f('ix_payments_order_id'), table_name='payments')
    op.drop_index('ix_payments_customer_created', table_name='payments')
    op.drop_table('payments')
    op.drop_index(op.f('ix_payable_vendor_orders_vendor_id'), table_name='payable_vendor_orders')
    op.drop_index('ix_payable_vendor_orders_order', table_name='payable_vendor_orders')
    op.drop_table('payable_vendor_orders')
    op.drop_index(op.f('ix_ledger_entries_transaction_id'), table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_account_created', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_index(op.f('ix_sandbox_provider_records_parent_reference'), table_name='sandbox_provider_records')
    op.drop_index('ix_sandbox_provider_records_at', table_name='sandbox_provider_records')
    op.drop_table('sandbox_provider_records')
    op.drop_index('ix_payout_runs_created', table_name='payout_runs')
    op.drop_table('payout_runs')
    op.drop_index('ix_ledger_transactions_created', table_name='ledger_transactions')
    op.drop_table('ledger_transactions')
    op.drop_index('ix_ledger_accounts_vendor', table_name='ledger_accounts')
    op.drop_table('ledger_accounts')
    op.drop_index('uq_commission_rules_scope', table_name='commission_rules')
    op.drop_table('commission_rules')
    op.drop_index('ix_commission_lines_vendor_order', table_name='commission_lines')
    op.drop_index('ix_commission_lines_vendor_created', table_name='commission_lines')
    op.drop_table('commission_lines')
    with op.batch_alter_table('payable_orders') as batch:
        batch.drop_constraint(op.f('ck_payable_orders_total_minor_not_negative'), type_='check')
        batch.drop_constraint(op.f('ck_payable_orders_status_known'), type_='check')
