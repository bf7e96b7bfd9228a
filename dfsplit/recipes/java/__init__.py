"""Java: Maven and Gradle builds, to a JRE runtime that runs the exact jar (layers.py: a
Spring Boot jar's layers, a plain jar's lib/ directory, each in a layer of its own).

Modules here import only shared modules (dfsplit.model, dfsplit.dockerfile, dfsplit.plan).
"""

from dfsplit.plan.recipe import Recipe

RECIPES = (
    Recipe(
        "maven",
        "java",
        ("**/pom.xml", "**/src/main/**/*.java", ".mvn/wrapper/maven-wrapper.properties"),
        "dfsplit.recipes.java.maven",
        manifest="pom.xml",
    ),
    Recipe(
        "gradle",
        "java",
        (
            "**/build.gradle",
            "**/build.gradle.kts",
            "**/settings.gradle",
            "**/settings.gradle.kts",
            "**/gradle.properties",
            "**/src/main/**/*.java",
            "**/src/main/**/*.kt",
        ),
        "dfsplit.recipes.java.gradle",
        manifest="build.gradle",
    ),
)
