-- Sample data for the demo (`git-dbsync demo`): a small InvoicePlane installation after a few
-- weeks of use. Made-up people and companies; the password hash and cron key are placeholders.
-- Load after schema.sql, with the SQL mode InvoicePlane runs with (NO_ENGINE_SUBSTITUTION).

INSERT INTO `ip_versions` (`version_id`, `version_date_applied`, `version_file`, `version_sql_errors`) VALUES
  (1, '1767225600', '000_1.0.0.sql', 0),
  (2, '1767225600', '040_1.6.3.sql', 0);

INSERT INTO `ip_settings` (`setting_key`, `setting_value`) VALUES
  ('default_language', 'english'),
  ('date_format', 'd.m.Y'),
  ('currency_symbol', 'EUR'),
  ('currency_symbol_placement', 'after'),
  ('currency_code', 'EUR'),
  ('thousands_separator', '.'),
  ('decimal_point', ','),
  ('tax_rate_decimal_places', '2'),
  ('invoices_due_after', '30'),
  ('quotes_expire_after', '15'),
  ('default_invoice_group', '1'),
  ('default_quote_group', '2'),
  ('default_invoice_terms', 'Payable within 30 days without deduction.'),
  ('invoice_default_payment_method', '2'),
  ('read_only_toggle', '4'),
  ('email_send_method', 'smtp'),
  ('smtp_server_address', 'mail.example.com'),
  ('smtp_authentication', '1'),
  ('smtp_username', 'invoices@example.com'),
  ('smtp_password', 'demo-smtp-placeholder'),
  ('cron_key', 'demo0cron0key0placeholder0000000'),
  ('pdf_invoice_template', 'InvoicePlane'),
  ('public_invoice_template', 'InvoicePlane_Web');

INSERT INTO `ip_users` (`user_id`, `user_type`, `user_active`, `user_date_created`, `user_date_modified`, `user_language`, `user_name`, `user_company`,
  `user_address_1`, `user_city`, `user_zip`, `user_country`, `user_email`, `user_password`, `user_psalt`, `user_all_clients`, `user_passwordreset_token`) VALUES
  (1, 1, 1, '2026-01-05 09:12:00', '2026-01-05 09:12:00', 'system', 'Sam Example', 'Example Web Studio',
   'Hauptstrasse 1', 'Berlin', '10115', 'DE', 'sam@example.com', '$2a$10$dEm0DeMoXq8vN3kLr7TzWuYb5Hc1Jf9GsPa2Qe4Rt6Oi8Uy0Mn2Lk', 'demo-salt-placeholder', 1, '');

INSERT INTO `ip_payment_methods` (`payment_method_id`, `payment_method_name`) VALUES
  (1, 'Cash'),
  (2, 'Bank transfer');

INSERT INTO `ip_tax_rates` (`tax_rate_id`, `tax_rate_name`, `tax_rate_percent`) VALUES
  (1, 'VAT', 19.00);

INSERT INTO `ip_invoice_groups` (`invoice_group_id`, `invoice_group_name`, `invoice_group_identifier_format`, `invoice_group_next_id`, `invoice_group_left_pad`) VALUES
  (1, 'Invoice Default', 'INV-{{{id}}}', 2, 4),
  (2, 'Quote Default', 'QUO-{{{id}}}', 1, 0);

INSERT INTO `ip_clients` (`client_id`, `client_date_created`, `client_date_modified`, `client_name`, `client_address_1`, `client_city`, `client_zip`,
  `client_country`, `client_email`, `client_language`, `client_active`) VALUES
  (1, '2026-01-06 10:00:00', '2026-01-06 10:00:00', 'ACME Ltd', '1 Long Road', 'Leeds', 'LS1 4AP', 'GB', 'accounts@acme.example', 'system', 1),
  (2, '2026-01-12 14:30:00', '2026-01-12 14:30:00', 'Blue Harbour Cafe', 'Am Hafen 7', 'Hamburg', '20457', 'DE', 'info@blueharbour.example', 'system', 1);

-- INV-0001: one item, sent and paid in January.
INSERT INTO `ip_invoices` (`invoice_id`, `user_id`, `client_id`, `invoice_group_id`, `invoice_status_id`, `is_read_only`, `invoice_password`,
  `invoice_date_created`, `invoice_time_created`, `invoice_date_modified`, `invoice_date_due`, `invoice_number`, `invoice_discount_amount`,
  `invoice_discount_percent`, `invoice_terms`, `invoice_url_key`, `payment_method`) VALUES
  (1, 1, 1, 1, 4, 1, NULL, '2026-01-15', '11:20:00', '2026-01-28 16:05:00', '2026-02-14', 'INV-0001', 0.00, 0.00,
   'Payable within 30 days without deduction.', 'a3f0c6e1d2b4957e8f1a0b3c5d7e9f21', 2);

INSERT INTO `ip_invoice_items` (`item_id`, `invoice_id`, `item_tax_rate_id`, `item_product_id`, `item_date_added`, `item_name`, `item_description`,
  `item_quantity`, `item_price`, `item_discount_amount`, `item_order`, `item_product_unit`) VALUES
  (1, 1, 1, NULL, '2026-01-15', 'Website redesign', 'Design and build of the new home page', 1.00, 500.00, 0.00, 1, NULL);

INSERT INTO `ip_invoice_item_amounts` (`item_amount_id`, `item_id`, `item_subtotal`, `item_tax_total`, `item_discount`, `item_total`) VALUES
  (1, 1, 500.00, 95.00, 0.00, 595.00);

INSERT INTO `ip_invoice_amounts` (`invoice_amount_id`, `invoice_id`, `invoice_sign`, `invoice_item_subtotal`, `invoice_item_tax_total`,
  `invoice_tax_total`, `invoice_total`, `invoice_paid`, `invoice_balance`) VALUES
  (1, 1, '1', 500.00, 95.00, 0.00, 595.00, 595.00, 0.00);

INSERT INTO `ip_payments` (`payment_id`, `invoice_id`, `payment_method_id`, `payment_date`, `payment_amount`, `payment_note`) VALUES
  (1, 1, 2, '2026-01-28', 595.00, '');
