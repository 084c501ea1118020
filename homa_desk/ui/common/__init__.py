"""What every room uses: the background worker, the change signal, tables, forms, dialogs, language, resources."""
