"""The demo: a realistic, seeded world (cities, restaurants, menus, customers) driven through the real API."""
