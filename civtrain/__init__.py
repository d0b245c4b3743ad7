"""civtrain: training management for civil servants."""
